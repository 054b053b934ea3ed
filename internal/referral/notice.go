package referral

// redisclosure is Statement 1 of the notice 42 CFR § 2.32(a) requires
// with each disclosure of Part 2 records made with the patient's written
// consent, as amended by the final rule of 16 February 2024 (89 FR 12472),
// in English, and a Spanish translation. (The rule also allows the short
// Statement 2; Trellis gives the full one.) The translation is Trellis's own, not an
// official one; the English text governs, and the Spanish notice says so.
var redisclosure = map[string]string{
	"en": "This record which has been disclosed to you is protected by Federal confidentiality rules (42 CFR part 2). " +
		"These rules prohibit you from using or disclosing this record, or testimony that describes the information contained in this record, " +
		"in any civil, criminal, administrative, or legislative proceedings by any Federal, State, or local authority, against the patient, " +
		"unless authorized by the consent of the patient, except as provided at 42 CFR 2.12(c)(5) or as authorized by a court in accordance with 42 CFR 2.64 or 2.65. " +
		"In addition, the Federal rules prohibit you from making any other use or disclosure of this record unless at least one of the following applies: " +
		"(i) Further use or disclosure is expressly permitted by the written consent of the individual whose information is being disclosed in this record or as otherwise permitted by 42 CFR part 2. " +
		"(ii) You are a covered entity or business associate and have received the record for treatment, payment, or health care operations, or " +
		"(iii) You have received the record from a covered entity or business associate as permitted by 45 CFR part 164, subparts A and E. " +
		"A general authorization for the release of medical or other information is NOT sufficient to meet the required elements of written consent to further use or redisclose the record (see 42 CFR 2.31).",
	"es": "Este registro que se le ha divulgado está protegido por las normas federales de confidencialidad (42 CFR parte 2). " +
		"Estas normas le prohíben usar o divulgar este registro, o testimonios que describan la información que contiene, " +
		"en cualquier procedimiento civil, penal, administrativo o legislativo de cualquier autoridad federal, estatal o local contra el paciente, " +
		"salvo que lo autorice el consentimiento del paciente, excepto según lo dispuesto en 42 CFR 2.12(c)(5) o lo que autorice un tribunal conforme a 42 CFR 2.64 o 2.65. " +
		"Además, las normas federales le prohíben hacer cualquier otro uso o divulgación de este registro salvo que se cumpla al menos una de las siguientes condiciones: " +
		"(i) El consentimiento por escrito de la persona cuya información se divulga en este registro permite expresamente el uso o la divulgación posterior, o lo permite de otro modo 42 CFR parte 2. " +
		"(ii) Usted es una entidad cubierta o un socio comercial y ha recibido el registro para tratamiento, pago u operaciones de atención médica, o " +
		"(iii) Usted ha recibido el registro de una entidad cubierta o un socio comercial según lo permite 45 CFR parte 164, subpartes A y E. " +
		"Una autorización general para la divulgación de información médica o de otro tipo NO basta para cumplir los requisitos del consentimiento por escrito para usar o volver a divulgar el registro (véase 42 CFR 2.31). " +
		"(Traducción de cortesía; rige el texto en inglés.)",
}

// RedisclosureNotice returns the 42 CFR § 2.32 notice that prohibits
// redisclosure of Part 2 records, in lang: "en" or "es"; any other
// language gets the English text.
func RedisclosureNotice(lang string) string {
	if t, ok := redisclosure[lang]; ok {
		return t
	}
	return redisclosure["en"]
}
