package main

import (
	"errors"
	"fmt"
	"strings"
)

// commandFlag is one flag of a command parsed with parseFlags: a table
// row per flag instead of a switch per command.
type commandFlag struct {
	name  string // without dashes
	value string // the value's form for the help text; "" for a flag that takes none
	help  string
	set   func(value string) error
}

// parseFlags reads args: flags (-name, --name, --name=value, --name
// value) anywhere before a "--", and positional words. It reports a help
// flag, and fails on an unknown flag or a missing value.
func parseFlags(args []string, table []commandFlag) (positional []string, help bool, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(positional, args[i+1:]...), false, nil
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			positional = append(positional, a)
			continue
		}
		if isHelpFlag(a) {
			return nil, true, nil
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f, ok := lookupFlag(table, name)
		if !ok {
			return nil, false, fmt.Errorf("unknown flag %s", a)
		}
		switch {
		case f.value == "" && hasValue:
			return nil, false, fmt.Errorf("flag --%s takes no value", name)
		case f.value != "" && !hasValue:
			if i+1 >= len(args) {
				return nil, false, fmt.Errorf("flag %s needs a value", a)
			}
			i++
			value = args[i]
		}
		if err := f.set(value); err != nil {
			return nil, false, fmt.Errorf("--%s: %w", name, err)
		}
	}
	return positional, false, nil
}

func lookupFlag(table []commandFlag, name string) (commandFlag, bool) {
	for _, f := range table {
		if f.name == name {
			return f, true
		}
	}
	return commandFlag{}, false
}

// flagsHelp renders a flag table for a usage text.
func flagsHelp(table []commandFlag) string {
	var b strings.Builder
	for _, f := range table {
		left := "--" + f.name
		if len(f.name) == 1 {
			left = "-" + f.name // -W, -o: single letters take one dash
		}
		if f.value != "" {
			left += " " + f.value
		}
		if len(left) > 22 {
			fmt.Fprintf(&b, "  %s\n  %-22s %s\n", left, "", f.help)
		} else {
			fmt.Fprintf(&b, "  %-22s %s\n", left, f.help)
		}
	}
	return b.String()
}

// errMissing reports missing positional arguments.
func errMissing(what string) error { return errors.New("missing " + what) }
