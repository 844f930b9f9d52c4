package webhooks

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// resolverFunc is a Resolver for tests.
type resolverFunc func(ctx context.Context, network, host string) ([]netip.Addr, error)

func (f resolverFunc) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	return f(ctx, network, host)
}

// hosts resolves the names of m (name → addresses) and fails on others.
func hosts(m map[string][]string) Resolver {
	return resolverFunc(func(_ context.Context, _, host string) ([]netip.Addr, error) {
		list, ok := m[normHost(host)] // DNS names are case-insensitive
		if !ok {
			return nil, errors.New("no such host")
		}
		var addrs []netip.Addr
		for _, s := range list {
			addrs = append(addrs, netip.MustParseAddr(s))
		}
		return addrs, nil
	})
}

var testHosts = hosts(map[string][]string{
	"localhost":      {"127.0.0.1", "::1"},
	"public.test":    {"93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"},
	"mapped.test":    {"::ffff:93.184.215.14"}, // what net.Resolver returns for IPv4
	"internal.test":  {"93.184.215.14", "10.1.2.3"},
	"hooks.internal": {"10.0.0.5"},
})

func TestCheckURLRefuses(t *testing.T) {
	g := &Guard{Resolver: testHosts}
	tests := []struct{ url, want string }{
		{"http://127.0.0.1/", "address 127.0.0.1 is loopback"},
		{"http://[::1]:8080/", "address ::1 is loopback"},
		{"http://localhost/", `host "localhost" resolves to 127.0.0.1, which is loopback`},
		{"http://10.0.0.1/", "10.0.0.1 is private (RFC 1918)"},
		{"http://192.168.1.1/", "192.168.1.1 is private"},
		{"http://172.16.0.1/", "172.16.0.1 is private"},
		{"http://169.254.169.254/latest/meta-data/", "169.254.169.254 is the cloud metadata address"},
		{"http://169.254.1.1/", "link-local"},
		{"http://100.64.0.1/", "100.64.0.1 is carrier-grade NAT"},
		{"http://[::ffff:127.0.0.1]/", "127.0.0.1 is loopback"},
		{"http://[fd00:ec2::254]/", "fd00:ec2::254 is the cloud metadata address"},
		{"http://[fd12::1]/", "unique local"},
		{"http://[fe80::1%25eth0]/", "link-local"},
		{"http://0.0.0.0/", "unspecified"},
		{"http://[::]/", "unspecified"},
		{"http://0.1.2.3/", "this network"},
		{"http://255.255.255.255/", "broadcast"},
		{"http://224.0.0.1/", "multicast"},
		{"http://[ff02::1]/", "multicast"},
		{"http://[64:ff9b::a9fe:a9fe]/", "IPv6 form of 169.254.169.254, which is the cloud metadata address"},
		{"http://[::ffff:0:7f00:1]/", "IPv6 form of 127.0.0.1"},
		{"http://[2002:a00:1::1]/", "IPv6 form of 10.0.0.1"},
		{"http://internal.test/", `host "internal.test" resolves to 10.1.2.3, which is private`},
		{"ftp://public.test/", `scheme "ftp" is not allowed`},
		{"file:///etc/passwd", `scheme "file" is not allowed`},
		{"gopher://public.test/", "not allowed"},
		{"https://user:pw@public.test/", "user information is not allowed"},
		{"https://token@public.test/", "user information is not allowed"},
		{"http:///hook", "no host"},
		{"public.test/hook", `scheme "" is not allowed`},
		{"http://[::1", "callback URL refused"},
	}
	for _, tt := range tests {
		err := g.CheckURL(context.Background(), tt.url)
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("CheckURL(%q) = %v, want ErrRefused saying %q", tt.url, err, tt.want)
		}
	}
}

func TestCheckURLAllows(t *testing.T) {
	allow, err := ParseAllow("127.0.0.1/32, hooks.internal")
	if err != nil {
		t.Fatal(err)
	}
	g := &Guard{Allow: allow, Resolver: testHosts}
	for _, u := range []string{
		"https://public.test/hook?token=x",
		"http://mapped.test/",
		"http://93.184.215.14:8080/",
		"https://[2606:4700::1111]/",
		"http://[64:ff9b::5db8:d70e]/", // NAT64 form of a public address
		"http://127.0.0.1:8080/",       // allowlisted network
		"http://[::ffff:127.0.0.1]/",   // the same, IPv4-mapped
		"http://hooks.internal/",       // allowlisted name, private address
		"http://HOOKS.Internal./",
	} {
		if err := g.CheckURL(context.Background(), u); err != nil {
			t.Errorf("CheckURL(%q) = %v, want nil", u, err)
		}
	}
	for _, u := range []string{"http://127.0.0.2/", "http://localhost/", "http://[::1]/"} {
		if err := g.CheckURL(context.Background(), u); !errors.Is(err, ErrRefused) {
			t.Errorf("CheckURL(%q) = %v, want ErrRefused (outside the allowlist)", u, err)
		}
	}
}

func TestCheckURLLookupFailure(t *testing.T) {
	g := &Guard{Resolver: testHosts}
	err := g.CheckURL(context.Background(), "https://unknown.test/")
	if err == nil || errors.Is(err, ErrRefused) {
		t.Fatalf("CheckURL = %v, want a resolution error not wrapping ErrRefused", err)
	}
}

func TestParseAllow(t *testing.T) {
	got, err := ParseAllow(" 127.0.0.1/32,hooks.Internal.,,10.1.2.3, fd00::/8,10.9.9.9/8")
	if err != nil {
		t.Fatal(err)
	}
	want := []Allow{
		{Prefix: netip.MustParsePrefix("127.0.0.1/32")},
		{Host: "hooks.internal"},
		{Prefix: netip.MustParsePrefix("10.1.2.3/32")},
		{Prefix: netip.MustParsePrefix("fd00::/8")},
		{Prefix: netip.MustParsePrefix("10.0.0.0/8")},
	}
	if len(got) != len(want) {
		t.Fatalf("ParseAllow = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %v, want %v", i, got[i], want[i])
		}
	}
	for _, s := range []string{"10.0.0.0/33", "http://hooks.internal", "hooks.internal:8080", "a b", "10.0.0.1/x", "."} {
		if _, err := ParseAllow(s); err == nil {
			t.Errorf("ParseAllow(%q) = nil error, want one", s)
		}
	}
}

func TestDialCheck(t *testing.T) {
	allow, _ := ParseAllow("hooks.internal,192.168.0.0/16")
	g := &Guard{Allow: allow}
	tests := []struct {
		host, address string
		ok            bool
	}{
		{"public.test", "93.184.215.14:443", true},
		{"public.test", "127.0.0.1:443", false}, // rebound to loopback
		{"public.test", "[::1]:443", false},
		{"public.test", "[::ffff:10.0.0.1]:443", false},
		{"public.test", "[fe80::1%eth0]:443", false},
		{"public.test", "192.168.3.4:443", true}, // allowlisted network
		{"hooks.internal", "127.0.0.1:443", true},
		{"public.test", "not an address", false},
	}
	for _, tt := range tests {
		err := g.checkDial(tt.host, tt.address)
		if tt.ok && err != nil || !tt.ok && !errors.Is(err, ErrRefused) {
			t.Errorf("checkDial(%q, %q) = %v, want ok=%v", tt.host, tt.address, err, tt.ok)
		}
	}
}
