"""How this platform talks to Temporal: the data converter and the client connection."""
