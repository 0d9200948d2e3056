// Package reference parses image references as Docker does
// (github.com/distribution/reference, ParseNormalizedNamed): "busybox" is
// docker.io/library/busybox, "localhost/x" and "host.name:5000/x" name a
// registry, a tag follows a colon and a digest an at sign.
//
// The grammar, from distribution/reference:
//
//	reference        := name [ ":" tag ] [ "@" digest ]
//	name             := [domain '/'] remote-name
//	domain           := host [':' port-number]
//	host             := domain-name | IPv4address | \[ IPv6address \]
//	domain-name      := domain-component ['.' domain-component]*
//	domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
//	port-number      := /[0-9]+/
//	path-component   := alpha-numeric [separator alpha-numeric]*
//	remote-name      := path-component ['/' path-component]*
//	alpha-numeric    := /[a-z0-9]+/
//	separator        := /[_.]|__|[-]*/
//	tag              := /[\w][\w.-]{0,127}/
//	digest           := algorithm ":" hex      (checked by go-digest)
//
// The first component is a registry only if it is "localhost" or holds a
// "." or a ":" (or an upper-case letter, which a path may not): so
// "library/busybox" is on Docker Hub, and "myhost/x" too.
package reference
