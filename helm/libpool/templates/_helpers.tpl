{{/* Names fixed by the operator and node daemon (docs/install.md): not configurable on purpose. */}}
{{- define "libpool.operatorName" -}}libpool-operator{{- end }}
{{- define "libpool.nodeDaemonName" -}}libpool-node-daemon{{- end }}

{{- define "libpool.labels" -}}
app.kubernetes.io/part-of: libpool
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{- define "libpool.operatorSelector" -}}
app.kubernetes.io/name: {{ include "libpool.operatorName" . }}
app.kubernetes.io/component: operator
{{- end }}

{{/* The labels the operator gives the node daemon pods (NodeDaemonSet): select by name only. */}}
{{- define "libpool.nodeDaemonSelector" -}}
app.kubernetes.io/name: {{ include "libpool.nodeDaemonName" . }}
{{- end }}

{{- define "libpool.tag" -}}{{ .Values.image.tag | default .Chart.AppVersion }}{{- end }}
{{- define "libpool.operatorImage" -}}{{ printf "%s/operator:%s" .Values.image.registry (include "libpool.tag" .) }}{{- end }}
{{- define "libpool.nodeDaemonImage" -}}{{ printf "%s/node-daemon:%s" .Values.image.registry (include "libpool.tag" .) }}{{- end }}

{{/* The user name the API server gives a pod's service account token. */}}
{{- define "libpool.nodeDaemonUser" -}}
{{ printf "system:serviceaccount:%s:%s" .Release.Namespace (include "libpool.nodeDaemonName" .) }}
{{- end }}
