{{- define "bitnamilike.image" -}}
{{- $registry := .image.registry -}}
{{- if .global.imageRegistry }}{{ $registry = .global.imageRegistry }}{{ end -}}
{{- $ref := printf "%s/%s:%s" $registry .image.repository .image.tag -}}
{{- if .image.digest }}{{ $ref = printf "%s/%s@%s" $registry .image.repository .image.digest }}{{ end -}}
{{- $ref -}}
{{- end -}}

{{/* Like bitnami common's insecureImages check: images other than the
declared ones fail the render unless allowed. */}}
{{- define "bitnamilike.checkImages" -}}
{{- if not .Values.global.security.allowInsecureImages -}}
{{- $declared := .Chart.Annotations.images -}}
{{- range $img := list .Values.image .Values.volumePermissions.image -}}
{{- $name := printf "%s/%s" (default $img.registry $.Values.global.imageRegistry) $img.repository -}}
{{- if not (contains $name $declared) -}}
{{- fail (printf "unrecognized images: %s (set global.security.allowInsecureImages=true)" $name) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Like bitnami common's renderPullSecrets: names or {name} objects,
from the global list and every image's, each name once. */}}
{{- define "bitnamilike.pullSecrets" -}}
{{- $names := list -}}
{{- range concat .Values.global.imagePullSecrets .Values.image.pullSecrets .Values.volumePermissions.image.pullSecrets -}}
{{- if kindIs "map" . }}{{ $names = append $names .name }}{{ else }}{{ $names = append $names . }}{{ end -}}
{{- end -}}
{{- if $names }}
imagePullSecrets:
{{- range $names | uniq }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end -}}
