{{/* The name of every object of the release: the release name, cut to 63 characters. */}}
{{- define "wmo.fullname" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "wmo.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "wmo.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The operator's image: by digest when image.digest is set, else by tag. */}}
{{- define "wmo.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The namespaces that get a Role, when the operator does not watch all namespaces. */}}
{{- define "wmo.watchedNamespaces" -}}
{{- if eq .Values.watch.scope "release" -}}
{{- list .Release.Namespace | toJson -}}
{{- else -}}
{{- .Values.watch.namespaces | toJson -}}
{{- end -}}
{{- end -}}

{{/* What the operator does with the Kubernetes API; nothing on Secrets: the migration Jobs consume them. */}}
{{- define "wmo.rules" -}}
# Every grant is used by a real-cluster scenario: cluster/RbacAuditIT checks the API server's audit log against them.
# list, watch: the informer; the status is written by patch, the resource never
- apiGroups: ["migrations.webmacs.io"]
  resources: ["databasemigrations"]
  verbs: ["list", "watch"]
- apiGroups: ["migrations.webmacs.io"]
  resources: ["databasemigrations/status"]
  verbs: ["patch"]
# create, patch: the migration Jobs (patch: their time to live once succeeded); delete: an older failed Job
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
# create, update: the ConfigMap NAME-plan with a plan's SQL (approval.mode Manual, policy.destructive Deny); list,
# watch: the changelog ConfigMaps
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "watch", "create", "update"]
# patch: to lift the scheduling gates of pods waiting for the schema
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list", "watch", "patch"]
# get: the Deployment of spec.rollout, whose rollout a contract waits for
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get"]
# the plan Job's output: the plan with all its SQL
- apiGroups: [""]
  resources: ["pods/log"]
  verbs: ["get"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
{{- end -}}
