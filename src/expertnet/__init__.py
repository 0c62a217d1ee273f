"""expertnet: vetted expert network and consultation desk."""
