//go:build !linux

package main

import "errors"

func benchExtract(cacheDir, outDir string, runs, warm int) error {
	return errors.New("needs Linux")
}

func benchStartup(bin, outDir string, runs, warm int) error {
	return errors.New("needs Linux")
}

func benchLayers(bin, outDir string, runs, warm int) error {
	return errors.New("needs Linux")
}

func benchPull(bin, cacheDir, outDir string, runs, warm int) error {
	return errors.New("needs Linux")
}

func benchMonitor(outDir, bin string) error {
	return errors.New("needs Linux")
}

func benchScaling(bin, outDir string, runs, warm int) error {
	return errors.New("needs Linux")
}
