// Package login is the server side of a PostgreSQL client's
// SCRAM-SHA-256 login (RFC 7677, no channel binding, over the protocol's
// SASL messages), through xdg-go/scram: the password never crosses the
// wire, and the server keeps only what is derived from it.
package login

import (
	"crypto/rand"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/xdg-go/scram"
)

// Credentials are what the server keeps of a password: a salted key,
// iterated 4096 times, never the password.
type Credentials = scram.StoredCredentials

// Derive derives the credentials of a password, with a random salt.
func Derive(password string) Credentials {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	client, err := scram.SHA256.NewClient("", password, "")
	if err != nil { // a password SASLprep refuses: no client can log in with it as given
		client, _ = scram.SHA256.NewClientUnprepped("", password, "")
	}
	return client.GetStoredCredentials(scram.KeyFactors{Salt: string(salt), Iters: 4096})
}

// SCRAM runs SCRAM-SHA-256's exchange with the client on be: the client
// proves it knows the password of creds, the server that it knows its
// key. It tells whether the client did; the caller says
// AuthenticationOk, or refuses it.
func SCRAM(be *pgproto3.Backend, creds Credentials) bool {
	server, err := scram.SHA256.NewServer(func(string) (scram.StoredCredentials, error) { return creds, nil })
	if err != nil {
		return false
	}
	conv := server.NewConversation()
	be.Send(&pgproto3.AuthenticationSASL{AuthMechanisms: []string{"SCRAM-SHA-256"}})
	for _, step := range []uint32{pgproto3.AuthTypeSASL, pgproto3.AuthTypeSASLContinue} {
		if be.Flush() != nil || be.SetAuthType(step) != nil {
			return false
		}
		msg, err := be.Receive()
		var data []byte
		switch m := msg.(type) {
		case *pgproto3.SASLInitialResponse:
			data = m.Data
		case *pgproto3.SASLResponse:
			data = m.Data
		}
		if err != nil || data == nil {
			return false
		}
		resp, err := conv.Step(string(data))
		if err != nil {
			return false
		}
		if step == pgproto3.AuthTypeSASL {
			be.Send(&pgproto3.AuthenticationSASLContinue{Data: []byte(resp)})
		} else if conv.Valid() {
			be.Send(&pgproto3.AuthenticationSASLFinal{Data: []byte(resp)})
		}
	}
	return conv.Valid()
}
