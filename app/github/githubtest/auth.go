package githubtest

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"hash/fnv"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v4"
)

// Rate-limit bookkeeping. GitHub's core limit for tokens is 5000 an hour and
// 60 for anonymous callers.
const (
	rateLimitAuthed = 5000
	rateLimitAnon   = 60
	rateWindowLen   = time.Hour
	jwtSkew         = 60 * time.Second
	jwtMaxLifetime  = 10 * time.Minute
)

// JWT rejection messages, as GitHub words them.
const (
	msgJWTDecode = "A JSON web token could not be decoded"
	msgJWTExp    = "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
	msgJWTExpFar = "'Expiration time' claim ('exp') is too far in the future"
	msgJWTIat    = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
	msgJWTIss    = "'Issuer' claim ('iss') must be an Integer"
)

type identityKind int

const (
	anonymous identityKind = iota
	staticUser
	installation
	app
)

// identity is who a request acts as; writes are attributed to login/type.
type identity struct {
	kind           identityKind
	rateKey        string
	login          string
	id             int64
	userType       string // "User" or "Bot"
	installationID int64
}

// instToken is an issued installation token.
type instToken struct {
	installationID int64
	expires        time.Time
}

// rateWindow counts requests for one credential in the current hour.
type rateWindow struct {
	used  int
	reset time.Time
}

// identify works out who the request is from. authErr is the 401 to send if
// the route needs a credential the request lacks; faults still apply first.
func (s *Server) identify(r *http.Request, rt *route) (who *identity, authErr *response) {
	anon := &identity{kind: anonymous, rateKey: "ip:" + remoteHost(r)}
	cred, ok := credential(r.Header.Get("Authorization"))
	if rt != nil && rt.auth == authNone {
		return anon, nil
	}
	if rt != nil && rt.auth == authJWT {
		if !ok {
			return anon, errorResponse(http.StatusUnauthorized, msgJWTDecode, rt.doc)
		}
		if msg := s.verifyJWT(cred, time.Now()); msg != "" {
			return anon, errorResponse(http.StatusUnauthorized, msg, rt.doc)
		}
		return s.appIdentity(), nil
	}
	doc := docRoot
	if rt != nil {
		doc = rt.doc
	}
	if !ok {
		return anon, errorResponse(http.StatusUnauthorized, "Requires authentication", doc)
	}
	if s.static[cred] {
		return s.userIdentity(cred), nil
	}
	s.mu.Lock()
	tok, found := s.st.tokens[cred]
	s.mu.Unlock()
	if !found || !time.Now().Before(tok.expires) {
		return anon, errorResponse(http.StatusUnauthorized, "Bad credentials", doc)
	}
	return &identity{
		kind:           installation,
		rateKey:        "token:" + cred,
		login:          s.opts.AppSlug + "[bot]",
		id:             s.botUserID(),
		userType:       "Bot",
		installationID: tok.installationID,
	}, nil
}

// credential extracts X from "token X" or "Bearer X" (scheme case-insensitive).
func credential(h string) (string, bool) {
	scheme, cred, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok {
		return "", false
	}
	switch strings.ToLower(scheme) {
	case "token", "bearer":
	default:
		return "", false
	}
	cred = strings.TrimSpace(cred)
	return cred, cred != ""
}

func (s *Server) userIdentity(token string) *identity {
	return &identity{kind: staticUser, rateKey: "token:" + token, login: s.opts.Login, id: stableID(s.opts.Login), userType: "User"}
}

func (s *Server) appIdentity() *identity {
	return &identity{kind: app, rateKey: "app", login: s.opts.AppSlug, id: s.opts.AppID, userType: "Bot"}
}

// botUserID is the user id of "<slug>[bot]"; GitHub gives bots their own ids.
func (s *Server) botUserID() int64 { return 41000000 + s.opts.AppID }

// stableID derives a plausible, stable user id from a login.
func stableID(login string) int64 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(login))
	return int64(h.Sum32()%90000000) + 1000000
}

// verifyJWT checks an App JWT like GitHub does and returns GitHub's message
// for the first problem, or "" if the token is acceptable.
func (s *Server) verifyJWT(raw string, now time.Time) string {
	key := s.opts.AppPublicKey
	if key == nil {
		return msgJWTDecode
	}
	p := jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithJSONNumber(), jwt.WithoutClaimsValidation())
	claims := jwt.MapClaims{}
	if _, err := p.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return key, nil }); err != nil {
		return msgJWTDecode
	}
	if !issuerMatches(claims["iss"], s.opts.AppID) {
		return msgJWTIss
	}
	exp, ok := numericClaim(claims["exp"])
	if !ok || !now.Before(exp) {
		return msgJWTExp
	}
	if exp.After(now.Add(jwtMaxLifetime + jwtSkew)) {
		return msgJWTExpFar
	}
	iat, ok := numericClaim(claims["iat"])
	if !ok || iat.After(now.Add(jwtSkew)) {
		return msgJWTIat
	}
	return ""
}

func issuerMatches(v any, appID int64) bool {
	want := strconv.FormatInt(appID, 10)
	switch v := v.(type) {
	case string:
		return v == want
	case json.Number:
		return v.String() == want
	}
	return false
}

func numericClaim(v any) (time.Time, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}

// countRate charges one request to who's hourly window (unless charge is
// false: a 304 is free) and returns the x-ratelimit-* values to report. The
// fake never refuses for exhaustion (use the PrimaryRateLimit fault for
// that), so remaining stops at 1 rather than reaching the 0 that makes
// clients wait out the hour.
func (s *Server) countRate(who *identity, now time.Time, charge bool) (limit, remaining, used int, reset time.Time) {
	limit = rateLimitAuthed
	if who.kind == anonymous {
		limit = rateLimitAnon
	}
	s.rateM.Lock()
	w := s.rate[who.rateKey]
	if w == nil || !now.Before(w.reset) {
		w = &rateWindow{reset: now.Add(rateWindowLen)}
		s.rate[who.rateKey] = w
	}
	if charge {
		w.used++
	}
	used, reset = w.used, w.reset
	s.rateM.Unlock()
	remaining = max(limit-used, 1)
	return limit, remaining, used, reset
}

// newToken returns a fresh "ghs_" installation token.
func newToken() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 36)
	if _, err := rand.Read(b); err != nil {
		panic(errors.New("githubtest: crypto/rand failed: " + err.Error()))
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "ghs_" + string(b)
}
