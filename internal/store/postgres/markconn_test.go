package postgres

import (
	"io"
	"net"
	"runtime"
	"testing"
	"time"
)

// TestMarkConnHold checks what the commit mark relies on: bytes written
// held reach the peer only once released, or once the socket is closed
// (a killed process's socket is closed by the kernel).
func TestMarkConnHold(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("TCP_CORK is Linux's")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, end := range []string{"release", "close"} {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		peer, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		mc := markConnOf(newMarkConn(c))
		if !mc.hold() {
			t.Fatal("hold: a TCP socket on Linux can be corked")
		}
		if _, err := mc.Write([]byte("mark")); err != nil {
			t.Fatal(err)
		}
		peer.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		buf := make([]byte, 4)
		if n, err := peer.Read(buf); err == nil {
			t.Fatalf("%s: the peer read %q while it was held", end, buf[:n])
		}
		if end == "release" {
			if err := mc.release(); err != nil {
				t.Fatal(err)
			}
		} else {
			mc.Close()
		}
		peer.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(peer, buf); err != nil || string(buf) != "mark" {
			t.Errorf("%s: the peer read %q (%v), want \"mark\"", end, buf, err)
		}
		mc.Close()
		peer.Close()
	}
}
