package serve

import "testing"

// TestHeaderVar: a header's variable, and the headers that have none,
// whatever the case of their names (a handler in front of this one may
// have set a key that is not canonical).
func TestHeaderVar(t *testing.T) {
	for name, want := range map[string]string{
		"User-Agent": "HTTP_USER_AGENT", "x-tenant": "HTTP_X_TENANT", "X-9": "HTTP_X_9",
		"Content-Type": "", "content-type": "", "CONTENT-LENGTH": "", "Host": "", "host": "",
		"Proxy": "", "pRoXy": "", "X_Under": "", "X Space": "", "Ä": "",
	} {
		got, ok := headerVar(nil, name)
		if ok != (want != "") || string(got) != want {
			t.Errorf("headerVar(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
}
