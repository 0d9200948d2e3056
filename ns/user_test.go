package ns

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const passwd = `root:x:0:0:root:/root:/bin/sh
# a comment
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
`

const group = `root:x:0:
tty:x:5:
audio:x:29:user,other
user:x:1000:
staff:x:50:user
`

func TestResolveUser(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want ExecUser
	}{
		{"", ExecUser{UID: 0, GID: 0, Groups: []int{0}, Home: "/root"}},
		{"user", ExecUser{UID: 1000, GID: 1000, Groups: []int{1000, 29, 50}, Home: "/home/user"}},
		{"1000", ExecUser{UID: 1000, GID: 1000, Groups: []int{1000, 29, 50}, Home: "/home/user"}},
		{"user:audio", ExecUser{UID: 1000, GID: 29, Groups: []int{29}, Home: "/home/user"}},
		{"1000:5", ExecUser{UID: 1000, GID: 5, Groups: []int{5}, Home: "/home/user"}},
		// A numeric user that passwd does not know is allowed, as in docker.
		{"4242", ExecUser{UID: 4242, GID: 0, Groups: []int{0}, Home: "/"}},
		{"4242:4343", ExecUser{UID: 4242, GID: 4343, Groups: []int{4343}, Home: "/"}},
	} {
		got, err := ResolveUser(tc.spec, strings.NewReader(passwd), strings.NewReader(group))
		if err != nil {
			t.Errorf("%q: %v", tc.spec, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%q: (-want +got)\n%s", tc.spec, diff)
		}
	}
}

func TestResolveUserErrors(t *testing.T) {
	for spec, want := range map[string]error{"ghost": ErrNoSuchUser, "user:ghosts": ErrNoSuchGroup} {
		_, err := ResolveUser(spec, strings.NewReader(passwd), strings.NewReader(group))
		if !errors.Is(err, want) {
			t.Errorf("%q: got %v, want %v", spec, err, want)
		}
	}
	// No passwd file at all: only numeric users.
	if u, err := ResolveUser("7:8", nil, nil); err != nil || u.UID != 7 || u.GID != 8 {
		t.Errorf("7:8 without files: %+v %v", u, err)
	}
}
