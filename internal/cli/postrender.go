package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/airlift-cli/airlift/pkg/rewrite"
)

// pluginName is the name of the Helm post-renderer plugin that runs
// `airlift postrender`.
const pluginName = "airlift-postrender"

func newPostrenderCmd(g *globals) *cobra.Command {
	f := &destFlags{}
	cmd := &cobra.Command{
		Use:   "postrender --to REGISTRY[/PREFIX]",
		Short: "Rewrite every image of a manifest stream to the mirror (a Helm post-renderer)",
		Long: `Read rendered manifests on stdin and write them to stdout with every image
reference rewritten to its place in the mirror: the same mapping as copy and
values. For charts whose templates hard-code images, where no values can move
them. Everything else in the stream is left as it was.

Helm 4 runs post-renderers as plugins: "airlift postrender install" writes the
plugin (named ` + pluginName + `) into Helm's plugin directory, then:

  helm template my ./chart --post-renderer ` + pluginName + ` \
    --post-renderer-args=--to --post-renderer-args=registry.internal:5000/mirror`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := f.mapping()
			if err != nil {
				return err
			}
			in, err := io.ReadAll(g.streams.In)
			if err != nil {
				return fmt.Errorf("reading manifests: %w", err)
			}
			out, changes, err := rewrite.Rewrite(in, m)
			if err != nil {
				return err
			}
			for _, c := range changes {
				if g.debug {
					fmt.Fprintf(g.streams.Err, "postrender: %s\n", oneLine(fmt.Sprint(c)))
				}
			}
			_, err = g.streams.Out.Write(out)
			return err
		},
	}
	f.registerDest(cmd.Flags(), ": where airlift copy put the images")
	cmd.AddCommand(newPostrenderInstallCmd(g))
	return cmd
}

func newPostrenderInstallCmd(g *globals) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "install",
		Short: "Install airlift as a Helm post-renderer plugin",
		Long: `Write the Helm 4 plugin "` + pluginName + `" (type postrenderer/v1, running this
airlift binary) into --dir, by default Helm's plugin directory: $HELM_PLUGINS,
else $XDG_DATA_HOME/helm/plugins, else ~/.local/share/helm/plugins.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				dir = helmPluginsDir()
			}
			exe, err := os.Executable()
			if err != nil {
				return fmt.Errorf("finding the airlift binary: %w", err)
			}
			path, err := writePlugin(filepath.Join(dir, pluginName), exe)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.streams.Out, "installed Helm post-renderer plugin %s: %s\n", pluginName, path)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "Helm plugin directory (default: Helm's)")
	return cmd
}

func helmPluginsDir() string {
	if d := os.Getenv("HELM_PLUGINS"); d != "" {
		return strings.Split(d, string(os.PathListSeparator))[0]
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "helm", "plugins")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".local", "share", "helm", "plugins")
}

// writePlugin writes the plugin's plugin.yaml into dir.
func writePlugin(dir, exe string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("installing the plugin: %w", err)
	}
	manifest := fmt.Sprintf(`# Written by "airlift postrender install".
apiVersion: v1
name: %s
type: postrenderer/v1
version: "%s"
runtime: subprocess
runtimeConfig:
  platformCommand:
    - command: %q
      args: ["postrender"]
`, pluginName, strings.TrimPrefix(pluginVersion(), "v"), exe)
	path := filepath.Join(dir, "plugin.yaml")
	if err := os.WriteFile(path, []byte(manifest), 0o644); err != nil {
		return "", fmt.Errorf("installing the plugin: %w", err)
	}
	return path, nil
}

// pluginVersion is a semver Helm accepts for the plugin.
func pluginVersion() string {
	v := version()
	if strings.HasPrefix(v, "v") && strings.Count(v, ".") >= 2 {
		return v
	}
	return "0.0.0"
}
