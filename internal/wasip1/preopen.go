package wasip1

import (
	"errors"
	"fmt"
)

// openPreopen opens one granted directory as a descriptor with every
// directory right, and every right to hand down.
func openPreopen(p Preopen) (*fdEntry, error) {
	if p.Guest == "" {
		return nil, errors.New("wasi: a preopen needs a guest path")
	}
	var n node
	readOnly := p.ReadOnly
	switch {
	case p.FS != nil && p.Host != "":
		return nil, fmt.Errorf("wasi: preopen %s: give Host or FS, not both", p.Guest)
	case p.FS != nil:
		n, readOnly = newFSDir(p.FS), true
	case p.Host != "":
		var err error
		if n, err = openHostPreopen(p.Host); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("wasi: preopen %s: no Host directory or FS", p.Guest)
	}
	return &fdEntry{
		node:      n,
		typ:       FiletypeDirectory,
		base:      rightsDirAll,
		inherit:   rightsDirAll | rightsFileAll,
		dir:       &dirEntry{preopen: p.Guest},
		isPreopen: true,
		readOnly:  readOnly,
	}, nil
}
