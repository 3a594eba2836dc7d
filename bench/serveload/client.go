package serveload

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// conn is one keep-alive HTTP/1.1 connection of the load generator. It
// writes requests by hand and reads responses with net/http's parser
// (Content-Length or chunked).
type conn struct {
	c  net.Conn
	br *bufio.Reader
	bw *bufio.Writer
}

func dial(addr string, timeout time.Duration) (*conn, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	return &conn{c: c, br: bufio.NewReaderSize(c, 4096), bw: bufio.NewWriterSize(c, 512)}, nil
}

// get sends GET path and reads the whole response, within deadline.
func (c *conn) get(path string, deadline time.Time) (status int, body []byte, err error) {
	c.c.SetDeadline(deadline)
	fmt.Fprintf(c.bw, "GET %s HTTP/1.1\r\nHost: bench\r\nUser-Agent: serveload\r\n\r\n", path)
	if err := c.bw.Flush(); err != nil {
		return 0, nil, err
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return 0, nil, err
	}
	body, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return resp.StatusCode, nil, err
	}
	if resp.Close {
		return resp.StatusCode, body, errClosed
	}
	return resp.StatusCode, body, nil
}

func (c *conn) close() { c.c.Close() }

// errClosed: the server answered but closes the connection; the caller
// dials again.
var errClosed = fmt.Errorf("the server closed the connection")
