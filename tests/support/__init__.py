"""Shared test machinery: real servers in threads, the running stack, HTTP helpers."""
