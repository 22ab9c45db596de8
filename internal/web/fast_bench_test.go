//go:build unix

package web_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/nashra/nashra/feeds"
	"github.com/nashra/nashra/internal/web"
)

// BenchmarkServeFeed: GET /atom.xml over loopback keep-alive connections
// (8 clients, each a request at a time), served by web.Serve through
// net/http and through the fast path, in the same run. Besides ns/op it
// reports the process's CPU time a request (clients included, so the
// difference between the two is the server's).
func BenchmarkServeFeed(b *testing.B) {
	set := feedSet(b, 10)
	atom, _ := set.Get("/atom.xml")
	for _, fast := range []bool{false, true} {
		name := "net/http"
		if fast {
			name = "fast path"
		}
		b.Run(name, func(b *testing.B) {
			h := feeds.NewHandler(set)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			so := web.ServeOptions{ShutdownTimeout: time.Second}
			if fast {
				so.Fast = &web.FastPath{Feeds: h}
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				done <- web.Serve(ctx, ln, web.New(web.Options{Feeds: h}), so, slog.New(slog.DiscardHandler))
			}()
			defer func() { cancel(); <-done }()
			req := []byte("GET /atom.xml HTTP/1.1\r\nHost: nashra.example\r\n\r\n")
			var cpu0 syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &cpu0)
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				c, err := net.Dial("tcp", ln.Addr().String())
				if err != nil {
					b.Error(err)
					return
				}
				defer c.Close()
				br := bufio.NewReaderSize(c, 64<<10)
				for pb.Next() {
					if _, err := c.Write(req); err != nil {
						b.Error(err)
						return
					}
					res, err := http.ReadResponse(br, nil)
					if err != nil {
						b.Error(err)
						return
					}
					if n, _ := io.Copy(io.Discard, res.Body); n != int64(len(atom.Body)) {
						b.Errorf("%d bytes of body", n)
						return
					}
				}
			})
			b.StopTimer()
			var cpu1 syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &cpu1)
			us := func(r syscall.Rusage) float64 {
				return float64(r.Utime.Nano()+r.Stime.Nano()) / 1e3
			}
			b.ReportMetric((us(cpu1)-us(cpu0))/float64(b.N), "µs-cpu/op")
		})
	}
}
