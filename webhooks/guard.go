package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrRefused is wrapped by every error refusing a callback URL by policy: a scheme
// other than http or https, user information, no host, or an address the Guard does
// not allow. The error's text says which address and why; the API answers it with
// 422 INVALID_CALLBACK_URL.
var ErrRefused = errors.New("callback URL refused")

// Resolver looks up the addresses of a host name; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Allow is one allowlist entry: a host name or a network, never both.
type Allow struct {
	Host   string       // lower case, without a trailing dot
	Prefix netip.Prefix // valid when Host is empty
}

// ParseAllow parses a comma-separated allowlist of CIDRs, addresses and host
// names, e.g. "127.0.0.1/32,10.1.0.0/16,hooks.internal". Empty entries are skipped.
func ParseAllow(s string) ([]Allow, error) {
	var list []Allow
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		switch a, err := netip.ParseAddr(f); {
		case f == "":
		case strings.Contains(f, "/"):
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("webhooks: allowlist entry %q: %w", f, err)
			}
			list = append(list, Allow{Prefix: p.Masked()})
		case err == nil:
			a = a.WithZone("").Unmap()
			list = append(list, Allow{Prefix: netip.PrefixFrom(a, a.BitLen())})
		case validHost(f):
			list = append(list, Allow{Host: normHost(f)})
		default:
			return nil, fmt.Errorf("webhooks: allowlist entry %q is not a CIDR, an address or a host name", f)
		}
	}
	return list, nil
}

func validHost(h string) bool {
	for _, c := range h {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return strings.Trim(h, ".") != ""
}

func normHost(h string) string { return strings.ToLower(strings.TrimSuffix(h, ".")) }

// Guard decides which callback URLs and addresses deliveries may reach. The zero
// Guard allows public addresses only and resolves with net.DefaultResolver.
type Guard struct {
	// Allow lists host names (any address they resolve to is allowed) and networks
	// (allowed even if internal), e.g. a receiver on loopback in development.
	Allow []Allow
	// Resolver resolves host names; nil means net.DefaultResolver.
	Resolver Resolver
}

// refused lists the networks deliveries may not reach, most specific first; the
// first match is the reason given.
var refused = []struct {
	net netip.Prefix
	why string
}{
	{netip.MustParsePrefix("169.254.169.254/32"), "the cloud metadata address"},
	{netip.MustParsePrefix("fd00:ec2::254/128"), "the cloud metadata address"},
	{netip.MustParsePrefix("0.0.0.0/32"), "unspecified"},
	{netip.MustParsePrefix("0.0.0.0/8"), `"this network" (0.0.0.0/8)`},
	{netip.MustParsePrefix("10.0.0.0/8"), "private (RFC 1918)"},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT (100.64.0.0/10)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private (RFC 1918)"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private (RFC 1918)"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("255.255.255.255/32"), "broadcast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved (240.0.0.0/4)"},
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("::/96"), "IPv4-compatible (deprecated)"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local-use NAT64 (RFC 8215)"},
	{netip.MustParsePrefix("fc00::/7"), "private (unique local, fc00::/7)"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local (deprecated)"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

// Prefixes of IPv6 forms that carry an IPv4 address (IPv4-mapped ::ffff:0:0/96 is
// handled by Unmap): the IPv4 address is checked too.
var (
	translated = netip.MustParsePrefix("::ffff:0:0:0/96") // RFC 2765, last 32 bits
	nat64      = netip.MustParsePrefix("64:ff9b::/96")    // RFC 6052, last 32 bits
	sixToFour  = netip.MustParsePrefix("2002::/16")       // RFC 3056, bits 16-47
)

// why returns why a may not be reached, or "" if it may.
func why(a netip.Addr) string {
	a = a.WithZone("").Unmap()
	for _, r := range refused {
		if r.net.Contains(a) {
			return r.why
		}
	}
	b := a.As16()
	var v4 netip.Addr
	switch {
	case translated.Contains(a), nat64.Contains(a):
		v4 = netip.AddrFrom4([4]byte(b[12:16]))
	case sixToFour.Contains(a):
		v4 = netip.AddrFrom4([4]byte(b[2:6]))
	default:
		return ""
	}
	if w := why(v4); w != "" {
		return fmt.Sprintf("an IPv6 form of %s, which is %s", v4, w)
	}
	return ""
}

// allowedHost reports whether host name is allowlisted.
func (g *Guard) allowedHost(host string) bool {
	host = normHost(host)
	for _, al := range g.Allow {
		if al.Host != "" && al.Host == host {
			return true
		}
	}
	return false
}

// check returns an error wrapping ErrRefused unless host, reached at a, is allowed.
func (g *Guard) check(host string, a netip.Addr) error {
	if g.allowedHost(host) {
		return nil
	}
	a = a.WithZone("").Unmap()
	for _, al := range g.Allow {
		if al.Host == "" && al.Prefix.Contains(a) {
			return nil
		}
	}
	w := why(a)
	if w == "" {
		return nil
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return fmt.Errorf("%w: address %s is %s", ErrRefused, host, w)
	}
	return fmt.Errorf("%w: host %q resolves to %s, which is %s", ErrRefused, host, a, w)
}

// lookup returns host's addresses (host itself if it is an address), unmapped.
func (g *Guard) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a.Unmap()}, nil
	}
	r := g.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	found, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("webhooks: resolve %q: %w", host, err)
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("webhooks: resolve %q: no addresses", host)
	}
	addrs := make([]netip.Addr, len(found))
	for i, a := range found {
		addrs[i] = a.Unmap()
	}
	return addrs, nil
}

// CheckURL checks a callback URL: scheme http or https, a host, no user
// information, and every address the host resolves to allowed (public, or
// allowlisted by host name or network). Policy refusals wrap ErrRefused; a failed
// resolution does not (it may be temporary), but leaves the URL unusable too.
func (g *Guard) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Errorf("%w: %v", ErrRefused, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%w: scheme %q is not allowed (http or https only)", ErrRefused, u.Scheme)
	case u.User != nil:
		return fmt.Errorf("%w: user information is not allowed", ErrRefused)
	case u.Hostname() == "":
		return fmt.Errorf("%w: no host", ErrRefused)
	}
	addrs, err := g.lookup(ctx, u.Hostname())
	if err != nil {
		return err
	}
	for _, a := range addrs {
		if err := g.check(u.Hostname(), a); err != nil {
			return err
		}
	}
	return nil
}

// DialContext connects to addr ("host:port") like net.Dialer.DialContext, trying
// each address of host in turn. The dialer's Control hook checks the address
// actually being connected to, so what CheckURL allowed earlier cannot be turned
// into an internal address by a later DNS answer.
func (g *Guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	addrs, err := g.lookup(ctx, host)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{
		Timeout: 5 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error { return g.checkDial(host, address) },
	}
	var first error
	for _, a := range addrs {
		c, err := d.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
	}
	return nil, first
}

// checkDial checks the address ("ip:port") a connection to host is about to use.
func (g *Guard) checkDial(host, address string) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot check address %q: %v", ErrRefused, address, err)
	}
	return g.check(host, ap.Addr())
}

// Client returns an HTTP client that connects only through g.DialContext, uses no
// proxy (the guard must see the real address), never follows redirects (a 3xx
// answer is returned as it is) and gives up after timeout.
func (g *Guard) Client(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext:         g.DialContext,
			ForceAttemptHTTP2:   true,
			TLSHandshakeTimeout: 5 * time.Second,
			IdleConnTimeout:     90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
