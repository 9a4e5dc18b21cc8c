{{- define "otherknobs.image" -}}
{{- $v := .root.Values -}}
{{ default $v.defaultImageRegistry .image.registry }}/{{ default $v.defaultImageRepository .image.repository }}/{{ .image.name }}:{{ default $v.defaultImageTag .image.tag }}{{ .suffix }}
{{- end -}}
