package dev.libpool.operator.vm;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Optional;

/** Small JSON tree helpers for editing a VM without a typed model (a typed model would drop unknown fields). */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    /** The object at {@code path}, creating missing levels; each created level's path is appended to {@code created}. */
    static ObjectNode ensureObject(ObjectNode root, String path, List<String> created) {
        ObjectNode node = root;
        StringBuilder at = new StringBuilder();
        for (String part : path.substring(1).split("/")) {
            at.append('/').append(part);
            JsonNode child = node.get(part);
            if (child == null || !child.isObject()) {
                child = node.putObject(part);
                created.add(at.toString());
            }
            node = (ObjectNode) child;
        }
        return node;
    }

    /** The array at {@code path} (its parent must exist), created when missing and recorded in {@code created}. */
    static ArrayNode ensureArray(ObjectNode root, String path, List<String> created) {
        int slash = path.lastIndexOf('/');
        ObjectNode parent = slash == 0 ? root : ensureObject(root, path.substring(0, slash), created);
        String name = path.substring(slash + 1);
        JsonNode child = parent.get(name);
        if (child == null || !child.isArray()) {
            created.add(path);
            return parent.putArray(name);
        }
        return (ArrayNode) child;
    }

    static Optional<ObjectNode> object(JsonNode root, String path) {
        JsonNode node = root.at(JsonPointer.compile(path));
        return node.isObject() ? Optional.of((ObjectNode) node) : Optional.empty();
    }

    static Optional<ArrayNode> array(JsonNode root, String path) {
        JsonNode node = root.at(JsonPointer.compile(path));
        return node.isArray() ? Optional.of((ArrayNode) node) : Optional.empty();
    }

    /** The element of a list of named objects (volumes, disks) called {@code name}. */
    static Optional<ObjectNode> named(JsonNode root, String path, String name) {
        return array(root, path).flatMap(list -> {
            for (JsonNode item : list) {
                if (item.isObject() && name.equals(item.path("name").asText(null))) {
                    return Optional.of((ObjectNode) item);
                }
            }
            return Optional.empty();
        });
    }

    /** Removes every element named {@code name} from the list at {@code path}. */
    static void removeNamed(JsonNode root, String path, String name) {
        array(root, path).ifPresent(list -> {
            for (int i = list.size() - 1; i >= 0; i--) {
                if (name.equals(list.get(i).path("name").asText(null))) {
                    list.remove(i);
                }
            }
        });
    }

    /** Removes the container at {@code path} when it is empty (it was created by libpool and holds nothing else). */
    static void removeIfEmpty(ObjectNode root, String path) {
        int slash = path.lastIndexOf('/');
        JsonNode parent = slash == 0 ? root : root.at(JsonPointer.compile(path.substring(0, slash)));
        String name = path.substring(slash + 1);
        JsonNode node = parent.get(name);
        if (parent.isObject() && node != null && node.isContainerNode() && node.isEmpty()) {
            ((ObjectNode) parent).remove(name);
        }
    }
}
