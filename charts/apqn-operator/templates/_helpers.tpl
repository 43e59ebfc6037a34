{{/* The chart's name, unless overridden. */}}
{{- define "apqn.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The prefix of every object name: the release name, with the chart name unless it contains it. */}}
{{- define "apqn.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "apqn.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "apqn.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: apqn-operator
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of one role: include with (dict "ctx" $ "component" "controller"). */}}
{{- define "apqn.selectorLabels" -}}
app.kubernetes.io/name: {{ include "apqn.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "apqn.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{/* The agent's node selector: the value, or the backend's default. */}}
{{- define "apqn.agentNodeSelector" -}}
{{- if kindIs "map" .Values.agent.nodeSelector -}}
{{- toYaml .Values.agent.nodeSelector -}}
{{- else if eq .Values.agent.backend "sysfs" -}}
kubernetes.io/arch: s390x
{{- else -}}
kubernetes.io/os: linux
{{- end -}}
{{- end -}}

{{- define "apqn.agentPriorityClassName" -}}
{{- .Values.agent.priorityClass.name | default (printf "%s-agent" (include "apqn.fullname" .)) -}}
{{- end -}}

{{/* The service-account usernames the admission policies match. */}}
{{- define "apqn.agentUser" -}}
system:serviceaccount:{{ .Release.Namespace }}:{{ .Values.agent.serviceAccount.name }}
{{- end -}}
{{- define "apqn.controllerUser" -}}
system:serviceaccount:{{ .Release.Namespace }}:{{ .Values.controller.serviceAccount.name }}
{{- end -}}

{{/* The container security context of the roles that never touch the host. */}}
{{- define "apqn.restrictedContainerSecurityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "apqn.probes" -}}
startupProbe:
  httpGet: {path: /q/health/started, port: http}
  periodSeconds: 2
  failureThreshold: 60
livenessProbe:
  httpGet: {path: /q/health/live, port: http}
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet: {path: /q/health/ready, port: http}
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 3
{{- end -}}

{{/* A label map as "k=v,k2=v2" (the controller's apqn.controller.node-selector). */}}
{{- define "apqn.labelList" -}}
{{- $out := list -}}
{{- range $k, $v := . -}}
{{- $out = append $out (printf "%s=%s" $k $v) -}}
{{- end -}}
{{- join "," $out -}}
{{- end -}}

{{/*
"true" when Dynamic Resource Allocation is on (dra.enabled), else empty. resource.k8s.io/v1 (GA in
Kubernetes 1.34) must be served: on an older cluster the install fails here, naming the value to set,
instead of installing an agent that publishes to an API that does not exist. `helm template` without a
cluster assumes its built-in API versions, which include resource.k8s.io/v1.
*/}}
{{- define "apqn.draEnabled" -}}
{{- if .Values.dra.enabled -}}
{{- if not (.Capabilities.APIVersions.Has "resource.k8s.io/v1") -}}
{{- fail "dra.enabled=true needs the API resource.k8s.io/v1 (Dynamic Resource Allocation, Kubernetes >= 1.34), which this cluster does not serve: upgrade the cluster, or install with --set dra.enabled=false (reservations then work as before, without ResourceClaims)" -}}
{{- end -}}
true
{{- end -}}
{{- end -}}
