package registrytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// TokenServer is a token issuer of the distribution spec's token
// authentication, for a real docker-registry configured with its
// TokenAuth: it signs JWTs (ES256, the certificate in the x5c header)
// granting pull to anyone and push too to a user with the password.
type TokenServer struct {
	*httptest.Server
	Auth     TokenAuth
	User     string
	Password string

	key  *ecdsa.PrivateKey
	cert []byte
	mu   sync.Mutex
	log  []string // the scopes asked, one entry a request
}

// NewTokenServer starts an issuer for the user and password, writing its
// certificate into dir.
func NewTokenServer(dir, user, password string) (*TokenServer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "minidocker test token issuer"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	certPath := filepath.Join(dir, "token-cert.pem")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return nil, err
	}
	ts := &TokenServer{User: user, Password: password, key: key, cert: der}
	ts.Server = httptest.NewServer(http.HandlerFunc(ts.serve))
	ts.Auth = TokenAuth{Realm: ts.URL + "/token", Service: "minidocker-test-registry", Issuer: "minidocker-test-issuer", Cert: certPath}
	return ts, nil
}

// Scopes are the scope parameters of the token requests so far.
func (ts *TokenServer) Scopes() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]string(nil), ts.log...)
}

type access struct {
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

func (ts *TokenServer) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ts.mu.Lock()
	ts.log = append(ts.log, strings.Join(q["scope"], " "))
	ts.mu.Unlock()
	user, pass, hasAuth := r.BasicAuth()
	if hasAuth && (user != ts.User || pass != ts.Password) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"details":"incorrect username or password"}`)
		return
	}
	var grants []access
	for _, s := range q["scope"] {
		parts := strings.Split(s, ":")
		if len(parts) != 3 || parts[0] != "repository" {
			continue
		}
		var allowed []string
		for _, a := range strings.Split(parts[2], ",") {
			if a == "pull" || a == "push" && hasAuth {
				allowed = append(allowed, a)
			}
		}
		grants = append(grants, access{Type: "repository", Name: parts[1], Actions: allowed})
	}
	now := time.Now()
	tok, err := ts.sign(map[string]any{
		"iss": ts.Auth.Issuer, "sub": user, "aud": q.Get("service"),
		"exp": now.Add(5 * time.Minute).Unix(), "nbf": now.Add(-time.Minute).Unix(), "iat": now.Unix(),
		"jti": fmt.Sprint(now.UnixNano()), "access": grants,
	})
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"token": tok, "expires_in": 300, "issued_at": now.UTC().Format(time.RFC3339)})
}

// sign makes a JWS compact serialisation with ES256: r and s, 32 bytes each.
func (ts *TokenServer) sign(claims map[string]any) (string, error) {
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(map[string]any{"typ": "JWT", "alg": "ES256", "x5c": []string{base64.StdEncoding.EncodeToString(ts.cert)}})
	c, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := enc.EncodeToString(h) + "." + enc.EncodeToString(c)
	sum := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, ts.key, sum[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + enc.EncodeToString(sig), nil
}
