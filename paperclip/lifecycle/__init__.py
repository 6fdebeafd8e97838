"""The data lifecycle: how long the store keeps what (`retention`), how long Temporal keeps
closed histories (`namespace`), and a company deleted with everything it left (`deletion`)."""
