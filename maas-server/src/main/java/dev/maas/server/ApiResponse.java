package dev.maas.server;

import com.google.gson.JsonElement;
import java.util.Objects;

/**
 * A marketplace route's answer: a status and a JSON body.
 *
 * @param status the HTTP status
 * @param body the JSON body
 */
record ApiResponse(int status, JsonElement body) {
    ApiResponse {
        Objects.requireNonNull(body, "body");
    }

    static ApiResponse ok(JsonElement body) {
        return new ApiResponse(200, body);
    }

    static ApiResponse created(JsonElement body) {
        return new ApiResponse(201, body);
    }
}
