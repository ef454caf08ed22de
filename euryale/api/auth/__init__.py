"""auth API routes (each module defines `router`)."""
