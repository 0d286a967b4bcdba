//go:build !unix

package main

import "os"

// ttyWidth returns 0: the width is not queried on this system (COLUMNS or
// the default applies).
func ttyWidth(*os.File) int { return 0 }
