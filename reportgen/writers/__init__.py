"""Writers: one module per output format, each visiting the resolved document model."""
