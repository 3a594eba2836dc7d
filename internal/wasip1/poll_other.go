//go:build !unix

package wasip1

import (
	"context"
	"io"
	"time"
)

func pollableFd(io.Reader) int { return -1 }

func readable(context.Context, *fdEntry, time.Duration) bool { return true }
