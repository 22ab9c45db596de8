package mailer

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"net/textproto"
	"testing"
)

// testStepByStep makes transportFor's transports leave PIPELINING unused.
var testStepByStep bool

// TestSMTPStepByStep runs the transport tests again with the step-by-step
// dialogue (a server without PIPELINING); the others use pipelining, which
// the test server offers.
func TestSMTPStepByStep(t *testing.T) {
	testStepByStep = true
	defer func() { testStepByStep = false }()
	t.Run("signed digest", TestSMTPDeliversSignedDigest)
	t.Run("TLS", TestSMTPTLSPolicies)
	t.Run("auth", TestSMTPAuth)
	t.Run("reply codes", TestSMTPReplyCodes)
	t.Run("pool", TestSMTPPoolConcurrency)
	t.Run("redial", TestSMTPRedialsBrokenConnections)
	t.Run("cancel", TestSMTPContextCancel)
}

// TestWriteDataIsDotWriter: writeData's bytes, with the end-of-data mark,
// are textproto.DotWriter's, whatever the line ends and dots.
func TestWriteDataIsDotWriter(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"\r\n", "\n", "\r", ".", "..", "a", "Subject: x", " ", "=?UTF-8?B?2YbYtA==?=", "\r\n.\r\n"}
	for i := range 3000 {
		var m bytes.Buffer
		for range rng.IntN(12) {
			m.WriteString(pieces[rng.IntN(len(pieces))])
		}
		if i%3 == 0 {
			m.WriteString("\r\n")
		}
		msg := m.Bytes()

		var want bytes.Buffer
		bw := bufio.NewWriter(&want)
		dw := textproto.NewWriter(bw).DotWriter()
		dw.Write(msg)
		dw.Close()

		var got bytes.Buffer
		gw := bufio.NewWriter(&got)
		conn := &textproto.Conn{Writer: *textproto.NewWriter(gw)}
		if err := writeData(conn, msg); err != nil {
			t.Fatal(err)
		}
		gw.WriteString(".\r\n")
		gw.Flush()
		if got.String() != want.String() {
			t.Fatalf("%q: writeData %q, DotWriter %q", msg, got.String(), want.String())
		}
		if plainData(msg) && got.String() != string(msg)+".\r\n" {
			t.Fatalf("%q: plain but changed", msg)
		}
	}
	if !plainData([]byte("Subject: x\r\n\r\nhi\r\n")) {
		t.Error("a composed message is not plain")
	}
}
