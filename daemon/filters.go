package daemon

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/minidocker/minidocker/api"
)

// filters is ?filters=, a JSON object of a key to the values it may
// have: {"status":{"exited":true}} (docker's form) or
// {"status":["exited"]} (the older one). Values of one key are
// alternatives; keys must all match.
type filters map[string][]string

func parseFilters(s string) (filters, error) {
	f := filters{}
	if s == "" {
		return f, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, badRequest(fmt.Errorf("invalid filters %q: %w", s, err))
	}
	for k, v := range raw {
		var set map[string]bool
		if json.Unmarshal(v, &set) == nil {
			for val, on := range set {
				if on {
					f[k] = append(f[k], val)
				}
			}
			continue
		}
		var list []string
		if err := json.Unmarshal(v, &list); err != nil {
			return nil, badRequest(fmt.Errorf("invalid filter %q: %w", k, err))
		}
		f[k] = list
	}
	return f, nil
}

// check refuses a key the endpoint does not know, as dockerd does.
func (f filters) check(keys ...string) error {
	for k := range f {
		known := false
		for _, want := range keys {
			known = known || k == want
		}
		if !known {
			return badRequest(fmt.Errorf("invalid filter '%s'", k))
		}
	}
	return nil
}

// match reports whether one of key's values passes test; a key not given
// matches everything.
func (f filters) match(key string, test func(string) bool) bool {
	vals, ok := f[key]
	if !ok {
		return true
	}
	for _, v := range vals {
		if test(v) {
			return true
		}
	}
	return false
}

func (f filters) matchEvent(e api.Event) bool {
	is := func(v string) func(string) bool { return func(s string) bool { return s == v } }
	return f.match("type", is(e.Type)) && f.match("event", func(s string) bool {
		return s == e.Action || strings.HasPrefix(e.Action, s+":")
	}) && f.match("container", func(s string) bool {
		return e.Type == "container" && (s == e.Actor.ID || s == e.Actor.Attributes["name"] || strings.HasPrefix(e.Actor.ID, s))
	}) && f.match("volume", func(s string) bool { return e.Type == "volume" && s == e.Actor.ID }) &&
		f.match("network", func(s string) bool {
			return e.Type == "network" && (s == e.Actor.Attributes["name"] || strings.HasPrefix(e.Actor.ID, s))
		}) &&
		f.match("image", is(e.Actor.Attributes["image"]))
}
