package minidocker

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/minidocker/minidocker/oci/reference"
	"github.com/minidocker/minidocker/oci/registry"
)

// serverHost is the registry host a login is for: Docker Hub by default;
// a URL's scheme and path are dropped, as docker does.
func serverHost(args []string) string {
	if len(args) == 0 {
		return reference.DefaultRegistry
	}
	h := strings.TrimPrefix(strings.TrimPrefix(args[0], "https://"), "http://")
	h, _, _ = strings.Cut(h, "/")
	if h == reference.DefaultDomain || h == "index.docker.io" {
		return reference.DefaultRegistry
	}
	return h
}

// loginCommand is docker login: the credentials are checked against the
// registry, then written to ~/.docker/config.json (base64, unencrypted,
// as docker without a credential helper writes them).
func loginCommand(g globals, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var user, password string
	var passwordStdin bool
	var rf remoteFlags
	c := newCommand("login", "[OPTIONS] [SERVER]", "Log in to a registry.\nIf no server is specified, the default is Docker Hub.")
	c.fs.String(&password, "password", "p", "string", "Password")
	c.fs.Bool(&passwordStdin, "password-stdin", "", "Take the password from stdin")
	c.fs.String(&user, "username", "u", "string", "Username")
	rf.flags(c.fs, false)
	rest, code, done := c.parse(args, stdout, stderr)
	if done {
		return code
	}
	if code, ok := c.args(rest, 0, 1, stderr); !ok {
		return code
	}
	if password != "" && passwordStdin {
		return failed(stderr, errors.New("--password and --password-stdin are mutually exclusive"))
	}
	in := bufio.NewReader(stdin)
	tty := false
	if f, ok := stdin.(*os.File); ok {
		tty = isTerminal(f)
	}
	if passwordStdin {
		if user == "" {
			return failed(stderr, errors.New("must provide --username with --password-stdin"))
		}
		b, err := io.ReadAll(in)
		if err != nil {
			return failed(stderr, fmt.Errorf("read the password from stdin: %w", err))
		}
		password = strings.TrimRight(string(b), "\r\n")
	}
	if user == "" || password == "" {
		if !tty {
			return failed(stderr, errors.New("cannot perform an interactive login from a non TTY device: give --username and --password-stdin"))
		}
		var err error
		if user == "" {
			fmt.Fprint(stdout, "Username: ")
			line, _ := in.ReadString('\n')
			user = strings.TrimSpace(line)
		}
		if password == "" {
			fmt.Fprint(stdout, "Password: ")
			password, err = readPassword(stdin.(*os.File), in)
			fmt.Fprintln(stdout)
			if err != nil {
				return failed(stderr, err)
			}
		}
	} else if !passwordStdin {
		fmt.Fprintln(stderr, "WARNING! Using --password via the CLI is insecure. Use --password-stdin.")
	}
	if user == "" || password == "" {
		return failed(stderr, errors.New("a username and a password are needed"))
	}
	host := serverHost(rest)
	client, err := rf.client(g, stderr)
	if err != nil {
		return failed(stderr, err)
	}
	creds := registry.Credentials{Username: user, Password: password}
	ctx, stop := interruptible()
	defer stop()
	if err := client.Login(ctx, host, creds); err != nil {
		return failed(stderr, err)
	}
	cfg, err := registry.LoadDockerConfig("")
	if err != nil {
		return failed(stderr, err)
	}
	cfg.Set(host, creds)
	if err := cfg.Save(); err != nil {
		return failed(stderr, err)
	}
	fmt.Fprintf(stderr, "WARNING! Your password will be stored unencrypted in %s.\n", cfg.Path())
	fmt.Fprintln(stdout, "Login Succeeded")
	return 0
}

// logoutCommand is docker logout: the registry's entry leaves config.json.
func logoutCommand(g globals, args []string, stdout, stderr io.Writer) int {
	c := newCommand("logout", "[SERVER]", "Log out from a registry.\nIf no server is specified, the default is Docker Hub.")
	rest, code, done := c.parse(args, stdout, stderr)
	if done {
		return code
	}
	if code, ok := c.args(rest, 0, 1, stderr); !ok {
		return code
	}
	host := serverHost(rest)
	cfg, err := registry.LoadDockerConfig("")
	if err != nil {
		return failed(stderr, err)
	}
	if !cfg.Erase(host) {
		fmt.Fprintf(stdout, "Not logged in to %s\n", registry.ConfigKey(host))
		return 0
	}
	fmt.Fprintf(stdout, "Removing login credentials for %s\n", registry.ConfigKey(host))
	if err := cfg.Save(); err != nil {
		return failed(stderr, err)
	}
	return 0
}
