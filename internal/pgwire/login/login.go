// Package login is the server side of a PostgreSQL client's
// SCRAM-SHA-256 login (RFC 7677, as PostgreSQL speaks it over SASL
// messages), through xdg-go/scram: the password is never sent, and the
// server keeps only what is derived from it.
package login

import (
	"crypto/rand"
	"errors"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/xdg-go/scram"
)

// Credentials is what the server keeps of a password: a salted, iterated
// key (4096 rounds, a random salt), never the password.
type Credentials = scram.StoredCredentials

// Derive derives the credentials of a password.
func Derive(password string) Credentials {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	client, err := scram.SHA256.NewClient("", password, "")
	if err != nil { // a password SASLprep refuses: no client can log in with it as given
		client, _ = scram.SHA256.NewClientUnprepped("", password, "")
	}
	return client.GetStoredCredentials(scram.KeyFactors{Salt: string(salt), Iters: 4096})
}

// ErrFailed is a client that did not prove it knows the password.
var ErrFailed = errors.New("password authentication failed")

// SCRAM runs SCRAM-SHA-256 with the client on be, up to and including
// AuthenticationSASLFinal: nil when the client proved it knows the
// password of creds, ErrFailed when it did not, another error when the
// connection failed.
func SCRAM(be *pgproto3.Backend, creds Credentials) error {
	server, err := scram.SHA256.NewServer(func(string) (scram.StoredCredentials, error) { return creds, nil })
	if err != nil {
		return err
	}
	conv := server.NewConversation()
	be.Send(&pgproto3.AuthenticationSASL{AuthMechanisms: []string{"SCRAM-SHA-256"}})
	if err := be.Flush(); err != nil {
		return err
	}
	if err := be.SetAuthType(pgproto3.AuthTypeSASL); err != nil {
		return err
	}
	msg, err := be.Receive()
	if err != nil {
		return err
	}
	first, ok := msg.(*pgproto3.SASLInitialResponse)
	if !ok || first.AuthMechanism != "SCRAM-SHA-256" {
		return ErrFailed
	}
	resp, err := conv.Step(string(first.Data))
	if err != nil {
		return ErrFailed
	}
	be.Send(&pgproto3.AuthenticationSASLContinue{Data: []byte(resp)})
	if err := be.Flush(); err != nil {
		return err
	}
	if err := be.SetAuthType(pgproto3.AuthTypeSASLContinue); err != nil {
		return err
	}
	if msg, err = be.Receive(); err != nil {
		return err
	}
	final, ok := msg.(*pgproto3.SASLResponse)
	if !ok {
		return ErrFailed
	}
	if resp, err = conv.Step(string(final.Data)); err != nil || !conv.Valid() {
		return ErrFailed
	}
	be.Send(&pgproto3.AuthenticationSASLFinal{Data: []byte(resp)})
	return nil
}
