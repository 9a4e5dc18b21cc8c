package testregistry

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// ServerBinary is the registry server from Debian's docker-registry
// package.
const ServerBinary = "docker-registry"

// StartProcess starts the docker-registry server as a separate process
// with filesystem storage under a temporary directory, and stops it when
// the test ends. Without the server on PATH the test is skipped, except
// under CI (CI=true), where .ci/run installs it and its absence fails.
func StartProcess(t testing.TB, opts ...Option) *Registry {
	t.Helper()
	var po config
	for _, o := range opts {
		o(&po)
	}
	bin, err := exec.LookPath(ServerBinary)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not on PATH: .ci/run installs it (apt-get install docker-registry)", ServerBinary)
		}
		t.Skipf("%s not on PATH (apt-get install docker-registry): end-to-end registry tests skipped", ServerBinary)
	}
	dir := t.TempDir()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: %s
`, filepath.Join(dir, "storage"), addr)
	if po.user != "" {
		cfg += fmt.Sprintf("auth:\n  htpasswd:\n    realm: airlift-test\n    path: %s\n", htpasswd(t, dir, po.user, po.pass))
	}
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", cfgPath)
	logf, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
		logf.Close()
	})
	url := "http://" + addr
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(url + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || po.user != "" && resp.StatusCode == http.StatusUnauthorized {
				break
			}
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logf.Name())
			t.Fatalf("%s did not come up on %s: %v\n%s", bin, addr, err, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return &Registry{Host: addr, URL: url}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
