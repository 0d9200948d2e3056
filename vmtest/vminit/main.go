// Command vminit is the /init of vmtest's guest: see vmtest.GuestMain.
package main

import "github.com/minidocker/minidocker/vmtest"

func main() { vmtest.GuestMain() }
