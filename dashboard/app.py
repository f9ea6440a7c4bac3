import streamlit as st
st.title("Spyglass")
