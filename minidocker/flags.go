package minidocker

import (
	"errors"
	"fmt"
	"strings"
)

// flagSet parses flags the way the docker CLI does (spf13/pflag): long
// --name=value or --name value, short -n value or -nvalue, short booleans
// combined (-it), and flags only before the first argument, so everything
// after the image or rootfs belongs to the container's command.
type flagSet struct {
	cmd   string
	flags []*flagDef
}

type flagDef struct {
	long, short, usage, arg string
	set                     func(string) error
	isBool                  bool
}

func (fs *flagSet) Bool(p *bool, long, short, usage string) {
	fs.flags = append(fs.flags, &flagDef{long: long, short: short, usage: usage, isBool: true,
		set: func(v string) error {
			switch v {
			case "", "true":
				*p = true
			case "false":
				*p = false
			default:
				return fmt.Errorf("invalid argument %q for --%s: want true or false", v, long)
			}
			return nil
		}})
}

func (fs *flagSet) String(p *string, long, short, arg, usage string) {
	fs.flags = append(fs.flags, &flagDef{long: long, short: short, arg: arg, usage: usage,
		set: func(v string) error { *p = v; return nil }})
}

// Func is a string flag that also records whether it was given (docker's
// --entrypoint "" differs from no --entrypoint).
func (fs *flagSet) Func(p *string, set *bool, long, short, arg, usage string) {
	fs.flags = append(fs.flags, &flagDef{long: long, short: short, arg: arg, usage: usage,
		set: func(v string) error { *p, *set = v, true; return nil }})
}

func (fs *flagSet) List(p *[]string, long, short, arg, usage string) {
	fs.flags = append(fs.flags, &flagDef{long: long, short: short, arg: arg, usage: usage,
		set: func(v string) error { *p = append(*p, v); return nil }})
}

var errHelp = errors.New("help requested")

// Parse sets the flags from args and returns the arguments after them.
func (fs *flagSet) Parse(args []string) ([]string, error) {
	for len(args) > 0 {
		a := args[0]
		if a == "--" {
			return args[1:], nil
		}
		if a == "--help" {
			return nil, errHelp
		}
		if len(a) < 2 || a[0] != '-' {
			return args, nil
		}
		args = args[1:]
		if strings.HasPrefix(a, "--") {
			name, value, hasValue := strings.Cut(a[2:], "=")
			f := fs.lookup(name, "")
			if f == nil {
				return nil, fmt.Errorf("unknown flag: --%s", name)
			}
			if !f.isBool && !hasValue {
				if len(args) == 0 {
					return nil, fmt.Errorf("flag needs an argument: --%s", name)
				}
				value, args = args[0], args[1:]
			}
			if err := f.set(value); err != nil {
				return nil, err
			}
			continue
		}
		// A cluster of short flags; the first that takes a value takes the
		// rest of the cluster, or the next argument.
		for i := 1; i < len(a); i++ {
			f := fs.lookup("", a[i:i+1])
			if f == nil {
				return nil, fmt.Errorf("unknown shorthand flag: %q in %s", a[i], a)
			}
			if f.isBool {
				f.set("")
				continue
			}
			value := a[i+1:]
			if value == "" {
				if len(args) == 0 {
					return nil, fmt.Errorf("flag needs an argument: %q in %s", a[i], a)
				}
				value, args = args[0], args[1:]
			}
			if err := f.set(value); err != nil {
				return nil, err
			}
			break
		}
	}
	return args, nil
}

func (fs *flagSet) lookup(long, short string) *flagDef {
	for _, f := range fs.flags {
		if long != "" && f.long == long || short != "" && f.short == short {
			return f
		}
	}
	return nil
}

// Usage is the flag table for --help.
func (fs *flagSet) Usage() string {
	var b strings.Builder
	for _, f := range fs.flags {
		name := "    --" + f.long
		if f.short != "" {
			name = "-" + f.short + ", --" + f.long
		}
		if f.arg != "" {
			name += " " + f.arg
		}
		fmt.Fprintf(&b, "  %-28s %s\n", name, f.usage)
	}
	return b.String()
}
