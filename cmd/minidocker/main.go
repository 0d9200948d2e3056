// Command minidocker is a small container engine: see the README.
package main

import (
	"os"

	"github.com/minidocker/minidocker/minidocker"
)

func main() { os.Exit(minidocker.Main(os.Args)) }
