package wasip1

import "strings"

// maxSymlinks bounds symlink expansions in one lookup, like the kernel's 40.
const maxSymlinks = 40

// splitPath checks a guest path and splits it into components. It refuses
// absolute paths (a descriptor is the only root a guest names) and NULs,
// and reports whether the path ended in a slash (it then must name a
// directory).
func splitPath(p string) (comps []string, mustDir bool, errno Errno) {
	if p == "" {
		return nil, false, ENOENT
	}
	if strings.IndexByte(p, 0) >= 0 {
		return nil, false, EILSEQ
	}
	if p[0] == '/' {
		return nil, false, ENOTCAPABLE
	}
	mustDir = p[len(p)-1] == '/'
	for _, c := range strings.Split(p, "/") {
		if c != "" {
			comps = append(comps, c)
		}
	}
	return comps, mustDir, ESUCCESS
}

// splitLast separates the directory part of comps from the final name. A
// final "." or ".." is kept in the directory part, so the name is ".".
func splitLast(comps []string) (dir []string, name string) {
	last := comps[len(comps)-1]
	if last == "." || last == ".." {
		return comps, "."
	}
	return comps[:len(comps)-1], last
}

// spliceLink replaces a symlink's name by its target's components. Absolute
// targets would leave the sandbox: ENOTCAPABLE.
func spliceLink(dir []string, target string) ([]string, bool, Errno) {
	if target == "" {
		return nil, false, ENOENT
	}
	if target[0] == '/' {
		return nil, false, ENOTCAPABLE
	}
	out := append([]string(nil), dir...)
	for _, c := range strings.Split(target, "/") {
		if c != "" {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		out = []string{"."}
	}
	return out, target[len(target)-1] == '/', ESUCCESS
}
