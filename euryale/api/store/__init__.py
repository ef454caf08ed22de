"""store API routes (each module defines `router`)."""
