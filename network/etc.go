package network

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
)

// The files docker writes for every container and bind-mounts over the
// image's: the container's own names, and how to reach a name server.
const (
	HostsFile    = "hosts"
	HostnameFile = "hostname"
	ResolvFile   = "resolv.conf"
)

// File is one of them: Source on the host, bind-mounted on Destination.
type File struct {
	Source, Destination string
}

// hostsHeader is docker's /etc/hosts before the container's own lines.
const hostsHeader = `127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::	ip6-localnet
ff00::	ip6-mcastprefix
ff02::1	ip6-allnodes
ff02::2	ip6-allrouters
`

// hostEntry is a line of /etc/hosts: an address and its names.
type hostEntry struct {
	Addr  netip.Addr
	Names []string
}

// hostsContent is a container's /etc/hosts: docker's header, the
// --add-host lines, its own address under its hostname, then the other
// containers on its user-defined networks under their names and aliases,
// which is how they find each other by name.
func hostsContent(extra []string, own []hostEntry, peers []hostEntry) []byte {
	var b bytes.Buffer
	b.WriteString(hostsHeader)
	for _, e := range extra {
		name, ip, _ := strings.Cut(e, ":")
		fmt.Fprintf(&b, "%s\t%s\n", ip, name)
	}
	for _, list := range [][]hostEntry{own, peers} {
		for _, e := range list {
			fmt.Fprintf(&b, "%s\t%s\n", e.Addr, strings.Join(e.Names, " "))
		}
	}
	return b.Bytes()
}

// ParseAddHost checks an --add-host value, NAME:IP.
func ParseAddHost(s string) error {
	name, ip, ok := strings.Cut(s, ":")
	if _, err := netip.ParseAddr(ip); !ok || name == "" || strings.ContainsAny(name, " \t") || err != nil {
		return fmt.Errorf("--add-host %s: want NAME:IP, such as db:10.0.0.5: %w", s, ErrBadSpec)
	}
	return nil
}

// defaultDNS are docker's name servers for a container whose host has
// only ones it cannot reach (127.0.0.53, systemd-resolved's).
var defaultDNS = []string{"8.8.8.8", "8.8.4.4"}

// resolvContent is the container's resolv.conf, made from the host's as
// docker makes it: its search and options lines kept, its name servers
// unless they are loopback addresses, which inside the container would
// be the container itself; --dns replaces them. With the host's network
// the file is the host's own.
func resolvContent(host []byte, dns []string, hostNetwork bool) []byte {
	if hostNetwork && len(dns) == 0 {
		return host
	}
	var b bytes.Buffer
	var servers []string
	sc := bufio.NewScanner(bytes.NewReader(host))
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "nameserver" {
			if a, err := netip.ParseAddr(f[1]); err == nil && !a.IsLoopback() {
				servers = append(servers, f[1])
			}
			continue
		}
		if len(f) > 0 && (f[0] == "search" || f[0] == "domain" || f[0] == "options") {
			b.WriteString(line + "\n")
		}
	}
	if len(dns) > 0 {
		servers = dns
	}
	if len(servers) == 0 {
		servers = defaultDNS
	}
	var out bytes.Buffer
	for _, s := range servers {
		fmt.Fprintf(&out, "nameserver %s\n", s)
	}
	out.Write(b.Bytes())
	return out.Bytes()
}

// writeInPlace replaces a file's content without replacing the file: a
// container has it bind-mounted, and a bind mount holds the inode, so a
// new file renamed over it would never be seen inside.
func writeInPlace(path string, content []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(content)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// etcFiles are the files of a sandbox, made in dir.
func etcFiles(dir string) []File {
	return []File{
		{filepath.Join(dir, HostsFile), "/etc/hosts"},
		{filepath.Join(dir, HostnameFile), "/etc/hostname"},
		{filepath.Join(dir, ResolvFile), "/etc/resolv.conf"},
	}
}
