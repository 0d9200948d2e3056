package ns

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ExecUser is who the container's command runs as.
type ExecUser struct {
	UID, GID int
	Groups   []int // supplementary groups, from the group file
	Home     string
}

// ResolveUser turns docker's --user value ("", "uid", "name", "uid:gid",
// "name:group", ...) into IDs, reading the container's own passwd and group
// files as docker does: a numeric user not in passwd is still allowed (with
// gid 0 and home /), a name must exist. passwd and group may be nil.
func ResolveUser(spec string, passwd, group io.Reader) (ExecUser, error) {
	if spec == "" {
		spec = "0"
	}
	userPart, groupPart, hasGroup := strings.Cut(spec, ":")
	u := ExecUser{Home: "/"}
	name := ""
	users, err := parseColonFile(passwd, 7)
	if err != nil {
		return u, fmt.Errorf("read passwd file: %w", err)
	}
	uid, numeric := parseID(userPart)
	found := false
	for _, f := range users {
		if f[0] == userPart || numeric && f[2] == userPart {
			id, ok1 := parseID(f[2])
			gid, ok2 := parseID(f[3])
			if !ok1 || !ok2 {
				continue
			}
			u.UID, u.GID, u.Home, name, found = id, gid, f[5], f[0], true
			break
		}
	}
	if !found {
		if !numeric {
			return u, fmt.Errorf("unable to find user %s: %w", userPart, ErrNoSuchUser)
		}
		u.UID = uid
	}

	groups, err := parseColonFile(group, 4)
	if err != nil {
		return u, fmt.Errorf("read group file: %w", err)
	}
	if hasGroup {
		gid, numeric := parseID(groupPart)
		found := false
		for _, f := range groups {
			if f[0] == groupPart || numeric && f[2] == groupPart {
				if id, ok := parseID(f[2]); ok {
					u.GID, found = id, true
					break
				}
			}
		}
		if !found {
			if !numeric {
				return u, fmt.Errorf("unable to find group %s: %w", groupPart, ErrNoSuchGroup)
			}
			u.GID = gid
		}
	}
	// Supplementary groups: the primary one (as containerd sets them) and
	// those that list the user by name.
	u.Groups = []int{u.GID}
	if name != "" && !hasGroup {
		for _, f := range groups {
			for _, member := range strings.Split(f[3], ",") {
				if member == name {
					if id, ok := parseID(f[2]); ok && id != u.GID {
						u.Groups = append(u.Groups, id)
					}
				}
			}
		}
	}
	return u, nil
}

func parseID(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0
}

// parseColonFile reads /etc/passwd or /etc/group style lines, padding each
// to n fields. Comments and blank lines are skipped.
func parseColonFile(r io.Reader, n int) ([][]string, error) {
	if r == nil {
		return nil, nil
	}
	var out [][]string
	s := bufio.NewScanner(r)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, ":")
		for len(f) < n {
			f = append(f, "")
		}
		out = append(out, f)
	}
	return out, s.Err()
}
