"""Read side: `fields` selection and set-based queries across modules and links."""
