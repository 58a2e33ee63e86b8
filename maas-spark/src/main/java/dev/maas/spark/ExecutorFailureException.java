package dev.maas.spark;

import dev.maas.MaasException;

/**
 * A failure in a Spark task that running the task again cannot fix: the executor cannot read the
 * model repository or load the model, or a row is unusable (a missing user id). The jobs of this
 * module cancel their stage at the first one instead of letting Spark retry the task up to {@code
 * spark.task.maxFailures} times; the job's exception carries this message.
 */
public class ExecutorFailureException extends MaasException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with the given message. */
    public ExecutorFailureException(String message) {
        super(message);
    }

    /** Creates an exception with the given message and cause. */
    public ExecutorFailureException(String message, Throwable cause) {
        super(message, cause);
    }
}
