package dev.maas.access;

/** The rules of {@link AccessPolicy#DEFAULT}. Stateless and thread-safe. */
final class GrantPolicy implements AccessPolicy {
    @Override
    public Permission permission(Principal who, ModelAccess model) {
        Permission best =
                switch (model.visibility()) {
                    case PUBLIC -> Permission.USE;
                    case RESTRICTED -> Permission.READ;
                    case PRIVATE -> null;
                };
        if (model.owner() != null && who.isIn(model.owner())) {
            return Permission.ADMIN;
        }
        for (Grant g : model.grants()) {
            if (g.grantee().covers(who) && (best == null || g.permission().includes(best))) {
                best = g.permission();
            }
        }
        return best;
    }
}
