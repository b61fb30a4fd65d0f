"""Deliberation pages: parse the request, call a service or selector, render. Every page works
with JavaScript off; live updates only add to it."""
