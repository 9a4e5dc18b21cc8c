{{- define "globalrepo.image" -}}
{{ default .root.Values.global.image.repository .image.repository }}:{{ default (default .root.Chart.AppVersion .root.Values.global.image.tag) .image.tag }}
{{- end -}}
