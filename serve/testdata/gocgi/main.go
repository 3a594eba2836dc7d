// Command gocgi is an ordinary Go CGI program, unchanged for WebAssembly:
// net/http/cgi's cgi.Serve runs an http.Handler over the CGI environment,
// stdin and stdout. Built with GOOS=wasip1 GOARCH=wasm (../../doc.go says
// how), it is what the serving tests run for the Go guest:
//
//	/hello    a greeting echoing the query
//	/request  what the handler sees of the request, one field per line
//	/echo     copies the request body to the response as it reads it
//	/stream   writes "part 1", flushes, sleeps, writes "part 2"
//	/status   an error status from http.Error
//	/oom      allocates until the runtime runs out of memory
package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cgi"
	"os"
	"sort"
	"time"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "hello from Go: %s\n", r.URL.RawQuery)
	})
	mux.HandleFunc("/request", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "method=%s\nurl=%s\npath=%s\nquery=%s\nhost=%s\nproto=%s\nremote=%s\n",
			r.Method, r.URL, r.URL.Path, r.URL.RawQuery, r.Host, r.Proto, r.RemoteAddr)
		fmt.Fprintf(w, "content-length=%d\nbody=%q\n", r.ContentLength, body)
		names := make([]string, 0, len(r.Header))
		for k := range r.Header {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			fmt.Fprintf(w, "header %s=%q\n", k, r.Header[k])
		}
		fmt.Fprintf(w, "args=%q\n", os.Args)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		buf := make([]byte, 64<<10)
		for {
			n, err := r.Body.Read(buf)
			if n > 0 {
				w.Write(buf[:n])
				w.(http.Flusher).Flush()
			}
			if err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, "part 1\n")
		w.(http.Flusher).Flush()
		time.Sleep(50 * time.Millisecond)
		fmt.Fprint(w, "part 2\n")
	})
	mux.HandleFunc("/status", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "teapot here", http.StatusTeapot)
	})
	mux.HandleFunc("/oom", func(w http.ResponseWriter, r *http.Request) {
		var keep [][]byte
		for {
			keep = append(keep, make([]byte, 1<<20))
		}
	})
	if err := cgi.Serve(mux); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
