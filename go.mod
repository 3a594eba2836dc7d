module github.com/moat-run/moat

go 1.26
