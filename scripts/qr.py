#!/usr/bin/env python3
"""Prints its argument as a QR code in the terminal (make dev LAN=1: the base URL for a phone)."""

import sys

import segno

segno.make(sys.argv[1], error="m").terminal(compact=True)
