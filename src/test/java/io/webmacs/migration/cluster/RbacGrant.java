package io.webmacs.migration.cluster;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One verb on one resource that a Role or ClusterRole of some manifests grants: in {@code namespace} (a Role's), or in
 * every namespace and cluster-wide ({@code ""}, a ClusterRole's), limited to {@code names} where the rule names them.
 */
public record RbacGrant(String role, String namespace, String apiGroup, String resource, String verb, List<String> names) {

    /** Every grant of every Role and ClusterRole in {@code objects}. */
    public static Set<RbacGrant> of(List<HasMetadata> objects) {
        return objects.stream().flatMap(RbacGrant::grants).collect(Collectors.toSet());
    }

    /**
     * The grants of the roles that {@code objects} bind to the ServiceAccount {@code user}
     * ({@code system:serviceaccount:NAMESPACE:NAME}), by a RoleBinding or a ClusterRoleBinding.
     */
    public static Set<RbacGrant> boundTo(String user, List<HasMetadata> objects) {
        Set<String> bound = objects.stream().flatMap(o -> roleBoundTo(user, o).stream()).collect(Collectors.toSet());
        return of(objects).stream().filter(g -> bound.contains(g.role())).collect(Collectors.toSet());
    }

    /** Whether this grant allows {@code request} (the verb on the resource, in its namespace, of a name the rule allows). */
    public boolean allows(AuditedRequest request) {
        return verb.equals(request.verb()) && apiGroup.equals(request.apiGroup()) && resource.equals(request.resource())
                && (namespace.isEmpty() || namespace.equals(request.namespace()))
                && (names.isEmpty() || names.contains(request.name()));
    }

    @Override
    public String toString() {
        return verb + " " + (apiGroup.isEmpty() ? "" : apiGroup + "/") + resource + (names.isEmpty() ? "" : " " + names)
                + (namespace.isEmpty() ? "" : " in " + namespace) + " (" + role + ")";
    }

    private static Stream<RbacGrant> grants(HasMetadata object) {
        if (object instanceof ClusterRole clusterRole) {
            return clusterRole.getRules().stream().flatMap(rule -> grants(roleName(object), "", rule));
        }
        if (object instanceof Role role) {
            return role.getRules().stream().flatMap(rule -> grants(roleName(object), object.getMetadata().getNamespace(), rule));
        }
        return Stream.empty();
    }

    private static Stream<RbacGrant> grants(String role, String namespace, PolicyRule rule) {
        List<String> names = Optional.ofNullable(rule.getResourceNames()).orElse(List.of());
        return rule.getApiGroups().stream().flatMap(group -> rule.getResources().stream()
                .flatMap(resource -> rule.getVerbs().stream().map(verb -> new RbacGrant(role, namespace, group, resource, verb, names))));
    }

    private static Optional<String> roleBoundTo(String user, HasMetadata object) {
        if (object instanceof ClusterRoleBinding binding && names(user, binding.getSubjects())) {
            return Optional.of(roleName(binding.getRoleRef(), ""));
        }
        if (object instanceof RoleBinding binding && names(user, binding.getSubjects())) {
            if ("ClusterRole".equals(binding.getRoleRef().getKind())) {
                throw new IllegalArgumentException("a RoleBinding of a ClusterRole (" + binding.getMetadata().getName()
                        + ") grants only in its namespace, which these grants do not model");
            }
            return Optional.of(roleName(binding.getRoleRef(), binding.getMetadata().getNamespace()));
        }
        return Optional.empty();
    }

    private static boolean names(String user, List<Subject> subjects) {
        return subjects.stream().anyMatch(s -> "ServiceAccount".equals(s.getKind())
                && user.equals("system:serviceaccount:" + s.getNamespace() + ":" + s.getName()));
    }

    private static String roleName(HasMetadata role) {
        return role instanceof ClusterRole ? "ClusterRole " + role.getMetadata().getName()
                : "Role " + role.getMetadata().getNamespace() + "/" + role.getMetadata().getName();
    }

    private static String roleName(RoleRef ref, String bindingNamespace) {
        return bindingNamespace.isEmpty() ? "ClusterRole " + ref.getName() : "Role " + bindingNamespace + "/" + ref.getName();
    }
}
