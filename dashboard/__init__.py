"""The Streamlit dashboard: pages, Plotly figures and the REST API client they read through."""
