package dev.libpool.api.v1alpha1;

import io.fabric8.generator.annotation.ValidationRule;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/** Every @ValidationRule in the model: on the classes of the API package and on their fields. */
final class ModelValidationRules {
    private static final String PACKAGE = SharedLibraryPool.class.getPackageName();

    private ModelValidationRules() {
    }

    static List<ValidationRule> all() {
        List<ValidationRule> rules = new ArrayList<>();
        for (Class<?> type : modelClasses()) {
            rules.addAll(Arrays.asList(type.getAnnotationsByType(ValidationRule.class)));
            for (Field field : type.getDeclaredFields()) {
                rules.addAll(Arrays.asList(field.getAnnotationsByType(ValidationRule.class)));
            }
        }
        return rules;
    }

    /** The compiled classes of the package, so that a class no test names is covered too. */
    private static List<Class<?>> modelClasses() {
        Path dir = Path.of("target", "classes").resolve(PACKAGE.replace('.', '/'));
        try (Stream<Path> files = Files.list(dir)) {
            List<Class<?>> classes = new ArrayList<>();
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).sorted().toList()) {
                String name = file.getFileName().toString();
                classes.add(Class.forName(PACKAGE + "." + name.substring(0, name.length() - ".class".length())));
            }
            return classes;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the model classes in " + dir, e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
