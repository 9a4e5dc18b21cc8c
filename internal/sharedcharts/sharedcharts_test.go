package sharedcharts

import "testing"

func TestRenders(t *testing.T) {
	rs := Renders(t, Dir(t))
	byName := map[string]Render{}
	for _, r := range rs {
		byName[r.Name()] = r
	}
	if len(rs) < 9 {
		t.Errorf("%d renders, want the 8 charts and the vendor values", len(rs))
	}
	ss := byName["stackstate-5.1.15.images"]
	if ss.Release != "test" || len(ss.Set) != 1 || ss.Set[0] == "" {
		t.Errorf("stackstate render: %+v", ss)
	}
	if v := byName["stackstate-5.1.15.vendor-images"]; v.Chart != "stackstate-5.1.15" || len(v.Set) != 1 {
		t.Errorf("vendor render: %+v", v)
	}
}
