"""hooks API routes (each module defines `router`)."""
